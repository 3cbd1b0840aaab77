/**
 * Keeping the enforced spend (the limit store's account) equal to the ledger (the database) plus
 * the spend pending persistence: the exact seed of a missing account, the reconciliation of one
 * customer, and the periodic pass over the customers this instance saw.
 */
package dev.tollgate.admin.reconcile;
