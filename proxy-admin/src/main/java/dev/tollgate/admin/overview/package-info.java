/**
 * Read models of the admin page's Overview: spend today and this month, spend per day, top
 * customers.
 */
package dev.tollgate.admin.overview;
