/**
 * Which customer a call belongs to: the one resolution order over headers and body fields, and
 * the id rules.
 */
package dev.tollgate.core.customer;
