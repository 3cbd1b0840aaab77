/**
 * Fixtures every module's tests share: the Netty leak guard installed by a JUnit session
 * listener, and a webhook receiver.
 */
package dev.tollgate.testing;
