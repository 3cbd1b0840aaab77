/**
 * Customers: rows, creation, update, block and delete, listing and search, live spend (persisted
 * plus pending), and daily activity.
 */
package dev.tollgate.admin.customer;
