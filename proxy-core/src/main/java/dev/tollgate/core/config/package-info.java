/**
 * The LiteLLM-style {@code config.yaml}: loading, environment references, validation with
 * messages that name the key path, and the typed settings the rest of Tollgate reads.
 */
package dev.tollgate.core.config;
