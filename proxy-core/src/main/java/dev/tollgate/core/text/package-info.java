/**
 * Rules for text that is stored in the database: what fits a column in both H2 and PostgreSQL.
 */
package dev.tollgate.core.text;
