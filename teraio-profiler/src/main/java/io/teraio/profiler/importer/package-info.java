/**
 * Importers of traces that other tools wrote: PyTorch execution traces, Kineto (Chrome)
 * traces and G10's kernel configs, each turned into a version-1 teraio trace with a report of
 * what was kept, what was dropped and which assumptions were applied
 * ({@code docs/importers.md}).
 */
package io.teraio.profiler.importer;
