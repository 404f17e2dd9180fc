/** Quotes `name` as an SQL identifier (double quotes doubled): LISTEN channels, schema names. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
