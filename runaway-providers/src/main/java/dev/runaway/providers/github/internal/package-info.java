/** Implementation of the GitHub Actions detector; not a public API. */
package dev.runaway.providers.github.internal;
