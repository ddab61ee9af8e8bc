// query.mjs runs SQL statements (the arguments, in order) in an in-memory
// DuckDB and prints the rows of the last one as JSON Lines. Numbers that
// JavaScript cannot hold exactly (BIGINT, HUGEINT) print as strings, lists
// as arrays, timestamps as their microseconds-or-nanoseconds text.
// Used by the Go tests of the Parquet output: node query.mjs "select ...".
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const sqls = process.argv.slice(2);
let reader;
for (const sql of sqls) {
  reader = await conn.runAndReadAll(sql);
}
const rows = reader.getRowObjectsJson();
for (const row of rows) {
  process.stdout.write(JSON.stringify(row) + '\n');
}
