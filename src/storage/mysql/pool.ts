/**
 * The mysql2 pool behind the MySQL/MariaDB backend (`DATABASE_URL=mysql://…` or `mariadb://…`).
 * Every connection speaks UTC (`time_zone = '+00:00'`, DATETIME(6) cells read as UTC `Date`s),
 * utf8mb4 with the binary, no-pad collation (strings compare exactly, as `text` does on
 * PostgreSQL), and reads `BOOLEAN` (TINYINT(1)) as booleans and DECIMAL/BIGINT as numbers.
 */
import mysql, { type Pool, type PoolOptions, type TypeCastField, type TypeCastNext } from "mysql2";

/** Whether `url` names a MySQL or MariaDB server. */
export function isMysqlUrl(url: string | null | undefined): url is string {
  return url != null && /^(mysql|mariadb):\/\//i.test(url);
}

/** The collation for exact comparisons: MariaDB's no-pad binary, MySQL 8's 0900 binary. */
export function exactCollation(version: string): string {
  return /mariadb/i.test(version) ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
}

/** TINYINT(1) as boolean; every other type as mysql2 reads it. */
function typeCast(field: TypeCastField, next: TypeCastNext): unknown {
  if (field.type === "TINY" && field.length === 1) {
    const v = field.string();
    return v == null ? null : v === "1";
  }
  return next();
}

/** mysql2 pool options from a `mysql://` / `mariadb://` URL (query parameters pass through). */
export function poolOptions(url: string, max: number): PoolOptions {
  const u = new URL(url.replace(/^mariadb:/i, "mysql:"));
  const options: PoolOptions = {
    host: decodeURIComponent(u.hostname) || "127.0.0.1",
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || "root",
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
    connectionLimit: max,
    // The handshake collation must have an id below 256; each connection then switches to the
    // exact one (`exactCollation`) in `onConnection`.
    charset: "UTF8MB4_BIN",
    timezone: "Z",
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    typeCast,
    enableKeepAlive: true,
    connectTimeout: 10_000,
  };
  const socket = u.searchParams.get("socket");
  if (socket) options.socketPath = socket;
  if (u.searchParams.get("ssl") === "true") options.ssl = {};
  return options;
}

/** Opens the pool; `collation` is applied to every new connection with UTC. */
export function createPool(url: string, max: number, collation: string): Pool {
  const pool = mysql.createPool(poolOptions(url, max));
  pool.on("connection", (conn) => {
    conn.query(
      `SET time_zone = '+00:00', NAMES utf8mb4 COLLATE ${collation}, SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES,ANSI_QUOTES,PIPES_AS_CONCAT')`,
    );
  });
  return pool;
}

/** The server's version string, read on a one-off connection (picks the collation). */
export async function serverVersion(url: string): Promise<string> {
  const conn = mysql.createConnection({ ...poolOptions(url, 1), database: undefined });
  try {
    const [rows] = await conn.promise().query("SELECT VERSION() AS v");
    return String((rows as { v: string }[])[0]?.v ?? "");
  } finally {
    conn.destroy();
  }
}
