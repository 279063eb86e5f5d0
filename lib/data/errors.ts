/**
 * Errors for bad data (as opposed to bad arguments, which use lib/core/validate.ts).
 * A DataError names where the bad value is: the file (or stream name), the row (1-based,
 * counting a CSV header line) and the column. The message keeps the one format used across
 * nodegrad: "Expected <what> for <where> but received <got>".
 */
import { describe, expected } from '../core/validate';

export interface DataErrorLocation {
  file?: string;
  row?: number;
  column?: string;
}

export class DataError extends Error {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;

  constructor(message: string, loc: DataErrorLocation = {}) {
    super(message);
    this.name = 'DataError';
    this.file = loc.file;
    this.row = loc.row;
    this.column = loc.column;
  }
}

/** "data.csv row 3 column \"age\"" (parts that are unknown are left out). */
export function where(loc: DataErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column "${loc.column}"`);
  return parts.join(' ');
}

/** Throws `Expected <what> for <where> but received <got>` as a DataError. */
export function dataError(what: string, loc: DataErrorLocation, got: string): never {
  throw new DataError(expected(what, where(loc), got), loc);
}

export { describe };
