/**
 * The master key check, in constant time.
 */
package dev.tollgate.server.auth;
