/**
 * Moving spend from the limit store to the database exactly once: the spend flusher (claim, apply
 * with the batch id in the same transaction, ack), the journal of settles the store did not
 * confirm, and the budget reset job.
 */
package dev.tollgate.admin.spend;
