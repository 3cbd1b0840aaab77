/**
 * Adapts the admin API to HTTP: authentication, body reading, and running its JDBC work off the
 * event loop.
 */
package dev.tollgate.server.admin;
