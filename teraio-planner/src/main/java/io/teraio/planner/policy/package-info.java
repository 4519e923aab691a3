/**
 * The offload policies: {@code none}, {@code zero-infinity}, {@code flashneuron},
 * {@code teraio-paper} and {@code teraio} (the default), found by name through
 * {@link io.teraio.planner.policy.Policies}. docs/planner.md describes each algorithm, the
 * planning model they share and its data structures.
 */
package io.teraio.planner.policy;
