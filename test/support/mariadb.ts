/**
 * The local MariaDB (or MySQL) for tests: whether it answers, and one fresh database per test
 * server or storage test, dropped afterwards (and by the janitor if the test process dies first).
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { guardDatabase, releaseDatabase } from "./cleanup.ts";

/** Admin URL of the local MariaDB used for tests. */
export const MARIADB_ADMIN_URL =
  process.env.OLG_TEST_MARIADB_URL ?? "mysql://root@127.0.0.1:3306/test";

const connect = (url = MARIADB_ADMIN_URL) =>
  mysql.createConnection({ uri: url, connectTimeout: 2000 });

/** Whether MariaDB answers on the test URL. */
export async function mariadbAvailable(url = MARIADB_ADMIN_URL): Promise<boolean> {
  try {
    const conn = await connect(url);
    try {
      await conn.query("SELECT 1");
      return true;
    } finally {
      await conn.end().catch(() => {});
    }
  } catch {
    return false;
  }
}

/** Creates an empty database and returns its URL. */
export async function createMariaDatabase(prefix = "olg_test"): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const conn = await connect();
  try {
    await conn.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await conn.end();
  }
  const url = new URL(MARIADB_ADMIN_URL);
  url.pathname = `/${name}`;
  guardDatabase(url.toString(), MARIADB_ADMIN_URL);
  return url.toString();
}

/** Drops a database created by `createMariaDatabase`. */
export async function dropMariaDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const conn = await connect();
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name.replaceAll("`", "``")}\``);
  } finally {
    await conn.end();
  }
  releaseDatabase(databaseUrl);
}
