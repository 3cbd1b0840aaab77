/**
 * The customer catalogue: each customer's effective policy (own budget, tier or the default
 * budget; blocked flag) cached for the call path, with background refresh and invalidation from
 * admin writes across the fleet.
 */
package dev.tollgate.admin.catalog;
