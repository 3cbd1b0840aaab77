/**
 * The bench report: markdown tables, the SVG latency chart, the CSV kept for comparison with the
 * previous run, and the machine description.
 */
package dev.tollgate.bench.report;
