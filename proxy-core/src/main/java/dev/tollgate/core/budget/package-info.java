/**
 * Budget periods: parsing {@code budget_duration} and computing calendar-aligned reset times in a
 * time zone.
 */
package dev.tollgate.core.budget;
