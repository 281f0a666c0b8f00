/** Loop signatures: identical requests repeated within a window trip the breaker. */
package dev.runaway.loop;
