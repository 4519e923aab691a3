/**
 * {@code teraio demo}: its options, checked here, and its verdict; the runs themselves are
 * driven by {@code teraio-demo-driver} ({@link io.teraio.demo}).
 */
package io.teraio.cli.demo;
