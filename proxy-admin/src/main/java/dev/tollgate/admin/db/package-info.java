/**
 * Database plumbing shared by the admin module: the HikariCP pool over PostgreSQL or embedded H2,
 * schema migrations, the JDBC executor that keeps JDBC off the event loops, and transaction
 * helpers that map SQL errors to API errors.
 */
package dev.tollgate.admin.db;
