/**
 * Budgets (pricing tiers): their rows, validation of their fields, creation, update, deletion and
 * listing, and the schedule of their resets.
 */
package dev.tollgate.admin.budget;
