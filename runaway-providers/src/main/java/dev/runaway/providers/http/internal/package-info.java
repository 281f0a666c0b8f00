/** Implementation of the HTTP plumbing; not a public API. */
package dev.runaway.providers.http.internal;
