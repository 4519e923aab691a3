package io.teraio.cli.report;

import io.teraio.core.hardware.HardwareProfile;
import io.teraio.planner.Workload;
import io.teraio.planner.sim.SimulationResult;
import java.util.List;
import java.util.Objects;

/**
 * What one report shows.
 *
 * @param title    the page's heading (the trace's name)
 * @param facts    label and value pairs for the summary table, in order
 * @param workload the trace's steady-state iteration
 * @param hardware the hardware the plan was made for; {@code null} without a plan
 * @param result   the plan's simulation (its timelines and tensor moves are drawn); {@code null}
 *                 without a plan (the report then shows the iteration with nothing moved, at its
 *                 profiled op times)
 * @param compare  the {@code compare} rows, or {@code null}
 */
public record ReportInput(String title, List<Fact> facts, Workload workload, HardwareProfile hardware,
                          SimulationResult result, Table compare) {
    public ReportInput {
        Objects.requireNonNull(title, "title");
        facts = List.copyOf(facts);
        Objects.requireNonNull(workload, "workload");
        if (result != null && !result.ran()) {
            throw new IllegalArgumentException("ReportInput: the simulation did not run: " + result.outOfMemory());
        }
    }

    /** One row of the summary table. */
    public record Fact(String label, String value) {
        public Fact {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(value, "value");
        }
    }

    /** A table of text cells; every row has one cell per column. */
    public record Table(List<String> columns, List<List<String>> rows) {
        public Table {
            columns = List.copyOf(columns);
            rows = rows.stream().map(List::copyOf).toList();
            for (List<String> row : rows) {
                if (row.size() != columns.size()) {
                    throw new IllegalArgumentException("Table: a row has " + row.size() + " cells for "
                            + columns.size() + " columns");
                }
            }
        }
    }
}
