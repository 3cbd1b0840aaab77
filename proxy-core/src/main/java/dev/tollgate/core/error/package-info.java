/**
 * The one error model: kinds that map to HTTP status and OpenAI's error shape, and the exception
 * that carries them.
 */
package dev.tollgate.core.error;
