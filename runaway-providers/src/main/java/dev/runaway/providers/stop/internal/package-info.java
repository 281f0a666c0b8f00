/** The emergency actions' implementations; not a public API. */
package dev.runaway.providers.stop.internal;
