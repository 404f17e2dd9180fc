/** Keyset position in a newest-first list: a page starts after it. */
export interface After {
  sortKey: string;
  externalId: string;
}
