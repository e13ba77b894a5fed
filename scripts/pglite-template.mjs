// A freshly initialised PGlite cluster takes seconds to create; a tarball of one loads in a
// fraction of that. Tests start their in-memory instances from this template.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export async function createPgliteTemplate(cacheDir) {
  const packageFile = path.join(import.meta.dirname, '../node_modules/@electric-sql/pglite/package.json');
  const { version } = JSON.parse(fs.readFileSync(packageFile, 'utf8'));
  const file = path.join(cacheDir, `pglite-${version}-template.tar`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cacheDir, { recursive: true });
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const temporary = `${file}.${process.pid}`;
  fs.writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(temporary, file);
  return file;
}
