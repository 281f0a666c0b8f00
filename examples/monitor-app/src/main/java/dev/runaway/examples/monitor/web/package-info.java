/** The standalone monitor's status page, JSON status and Prometheus metrics over the JDK's HTTP server. */
package dev.runaway.examples.monitor.web;
