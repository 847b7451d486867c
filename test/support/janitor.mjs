// Cleans up after a test process that could not: started by test/support/cleanup.ts with an IPC
// channel, it is told every process the tests spawn and every database they create, and told
// again when each is stopped or dropped. When the channel closes (the test process ended, normally,
// by a timeout, or killed), it kills what is still running and drops what is still there.
import mysql from "mysql2/promise";
import pg from "pg";

/** pid -> true while the process may be running */
const pids = new Set();
/** database URL -> admin URL to drop it from */
const databases = new Map();

process.on("message", (msg) => {
  if (msg.type === "pid") pids.add(msg.pid);
  else if (msg.type === "pid-done") pids.delete(msg.pid);
  else if (msg.type === "db") databases.set(msg.url, msg.adminUrl);
  else if (msg.type === "db-done") databases.delete(msg.url);
});

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function cleanUp() {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const [url, adminUrl] of databases) {
    if (/^(mysql|mariadb):/.test(url)) {
      await dropMysql(url, adminUrl);
      continue;
    }
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const name = new URL(url).pathname.slice(1);
      await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
    } catch (error) {
      console.error(`[janitor] could not drop ${url}: ${error.message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  process.exit(0);
}

async function dropMysql(url, adminUrl) {
  try {
    const conn = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 });
    const name = new URL(url).pathname.slice(1);
    await conn.query(`DROP DATABASE IF EXISTS \`${name.replaceAll("`", "``")}\``);
    await conn.end();
  } catch (error) {
    console.error(`[janitor] could not drop ${url}: ${error.message}`);
  }
}

process.on("disconnect", () => void cleanUp());
// Ctrl-C reaches the whole process group: outlive the test process, then clean up.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => void cleanUp());
