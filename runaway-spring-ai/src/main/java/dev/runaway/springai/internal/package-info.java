/** Internals of the Spring AI integration; not an API. */
package dev.runaway.springai.internal;
