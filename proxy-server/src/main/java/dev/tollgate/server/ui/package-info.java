/**
 * The admin web page (static files from the classpath) and the overview route it reads.
 */
package dev.tollgate.server.ui;
