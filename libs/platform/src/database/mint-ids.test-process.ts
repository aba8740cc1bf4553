// A process of its own for timestamp-id.int.spec.ts: opens MINT_CONNECTIONS connections, says
// "ready", and on "go" (stdin, which the parent then closes) inserts MINT_COUNT rows into MINT_TABLE, one statement per row
// spread over the connections, each row's id from the column's `timestamp_id` default.
import { Client } from 'pg';

async function main(): Promise<void> {
  const { DATABASE_URL, MINT_TABLE, MINT_WORKER, MINT_COUNT, MINT_CONNECTIONS } = process.env;
  if (!DATABASE_URL || !MINT_TABLE || !MINT_WORKER || !MINT_COUNT || !MINT_CONNECTIONS) {
    throw new Error('DATABASE_URL, MINT_TABLE, MINT_WORKER, MINT_COUNT and MINT_CONNECTIONS are required');
  }
  const clients = Array.from(
    { length: Number(MINT_CONNECTIONS) },
    () => new Client({ connectionString: DATABASE_URL }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const go = new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdout.write('ready\n');
  await go;
  const perConnection = Math.ceil(Number(MINT_COUNT) / clients.length);
  await Promise.all(
    clients.map(async (client) => {
      for (let n = 0; n < perConnection; n++) {
        await client.query(`INSERT INTO ${MINT_TABLE} (worker) VALUES ($1)`, [MINT_WORKER]);
      }
    }),
  );
  await Promise.all(clients.map((client) => client.end()));
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
  process.stdin.destroy();
});
