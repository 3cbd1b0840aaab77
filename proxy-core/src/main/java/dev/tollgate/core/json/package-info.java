/**
 * The shared Jackson mapper and small streaming helpers.
 */
package dev.tollgate.core.json;
