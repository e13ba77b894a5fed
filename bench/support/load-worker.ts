/**
 * The load generator in its own process: the server under test keeps its event loop to itself,
 * as it would with real clients on other machines. Scenarios are named (functions cannot be
 * sent to another process); `runLoadInWorker` starts one and resolves with its result.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runLoad, type LoadRequest, type LoadResult } from './http-load.js';

export type Scenario =
  | { kind: 'get'; path: string; authorization: string }
  | { kind: 'positions'; authorizations: string[]; episodes: number }
  | { kind: 'gpodder-episodes'; users: { username: string; authorization: string }[]; actionsPerRequest: number; run?: number };

export interface LoadJob {
  base: string;
  connections: number;
  seconds: number;
  scenario: Scenario;
}

function requestFactory(scenario: Scenario): (connection: number, n: number) => LoadRequest {
  switch (scenario.kind) {
    case 'get':
      return () => ({ method: 'GET', path: scenario.path, headers: { authorization: scenario.authorization } });
    case 'positions': {
      const positions = new Array<number>(scenario.authorizations.length).fill(0);
      return (connection, n) => ({
        method: 'POST',
        path: '/api/v1/episodes/progress',
        headers: { authorization: scenario.authorizations[connection % scenario.authorizations.length]!, 'content-type': 'application/json' },
        body: JSON.stringify({
          episode: { feedUrl: `https://feeds.example/show-${connection % 4}.xml`, guid: `episode-${n % scenario.episodes}` },
          position: ++positions[connection % positions.length]!,
          total: 3600,
        }),
      });
    }
    case 'gpodder-episodes': {
      // Each run its own times: an action sent again unchanged is a retry, and records nothing.
      // Positions stay below the total, as an app's do: at or past it, an action also marks the
      // episode played (a second event), which the first version of this bench did on every action.
      let counter = (scenario.run ?? 0) * 1_000_000;
      return (connection) => {
        const user = scenario.users[connection % scenario.users.length]!;
        const actions = Array.from({ length: scenario.actionsPerRequest }, () => {
          counter++;
          return {
            podcast: `https://feeds.example/show-${counter % 7}.xml`,
            episode: `https://cdn.example/episode-${counter % 200}.mp3`,
            action: 'play',
            started: 0,
            position: counter % 3600,
            total: 3600,
            timestamp: new Date(Date.UTC(2025, 0, 1) + counter * 1000).toISOString().slice(0, 19),
          };
        });
        return { method: 'POST', path: `/api/2/episodes/${user.username}.json`, headers: { authorization: user.authorization, 'content-type': 'application/json' }, body: JSON.stringify(actions) };
      };
    }
  }
}

export function runLoadInWorker(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(job)], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (stderr) process.stderr.write(stderr);
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as LoadResult);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const job = JSON.parse(process.argv[2]!) as LoadJob;
  const result = await runLoad(job.base, { connections: job.connections, seconds: job.seconds, next: requestFactory(job.scenario) });
  process.stdout.write(JSON.stringify(result));
}
