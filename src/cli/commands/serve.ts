import { parseArgs } from 'node:util';
import { startServer } from '../../app/serve.js';
import { createLogger } from '../../logger.js';
import type { Command } from '../command.js';

export const serveCommand: Command = {
  path: ['serve'],
  usage: 'balados serve',
  summary: 'Start the HTTP server (configuration from the environment: see the README)',
  async run(args, context) {
    parseArgs({ args, options: {}, strict: true });
    const config = context.config();
    const logger = createLogger(config.logLevel);
    const server = await startServer(config, logger);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        server.stop().then(resolve, (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          resolve();
        });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
    return 0;
  },
};
