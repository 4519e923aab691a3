/** Offload plans ({@code plan.json}): which tensor moves where, issued at which op, due by which. */
package io.teraio.core.plan;
