/**
 * Exports for billing: customers and their spend over a range of days as CSV, streamed from the
 * database with a cursor ({@link dev.tollgate.admin.export.SpendExport}).
 */
package dev.tollgate.admin.export;
