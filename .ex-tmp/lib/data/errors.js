"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.describe = exports.DataError = void 0;
exports.where = where;
exports.dataError = dataError;
/**
 * Errors for bad data (as opposed to bad arguments, which use lib/core/validate.ts).
 * A DataError names where the bad value is: the file (or stream name), the row (1-based,
 * counting a CSV header line) and the column. The message keeps the one format used across
 * nodegrad: "Expected <what> for <where> but received <got>".
 */
const validate_1 = require("../core/validate");
Object.defineProperty(exports, "describe", { enumerable: true, get: function () { return validate_1.describe; } });
class DataError extends Error {
    file;
    row;
    column;
    constructor(message, loc = {}) {
        super(message);
        this.name = 'DataError';
        this.file = loc.file;
        this.row = loc.row;
        this.column = loc.column;
    }
}
exports.DataError = DataError;
/** "data.csv row 3 column \"age\"" (parts that are unknown are left out). */
function where(loc) {
    const parts = [];
    if (loc.file !== undefined)
        parts.push(loc.file);
    if (loc.row !== undefined)
        parts.push(`row ${loc.row}`);
    if (loc.column !== undefined)
        parts.push(`column "${loc.column}"`);
    return parts.join(' ');
}
/** Throws `Expected <what> for <where> but received <got>` as a DataError. */
function dataError(what, loc, got) {
    throw new DataError((0, validate_1.expected)(what, where(loc), got), loc);
}
