// Figures the bench could not measure and takes from a documented source instead, each with it.

/**
 * Series of a kubelet's /metrics besides the families test/fixtures/exporters/kubelet.prom holds.
 * No recording of a whole kubelet /metrics at a current version could be read here (see the header
 * of bench/fixtures/ingestion/kubelet.shape.tsv), so these are counted, never scraped: lightbend/
 * console-charts#264 (2019-01-29) measured "a little north of 100 metrics for each kubelet,
 * cardinality ~1000", i.e. ~100,000 series for 100 nodes. An old kubelet: a current one serves more
 * (more histograms, rest_client_* per URL), so this understates the "everything" side.
 */
export const KUBELET_UNREAD_SERIES_PER_NODE = 1000;
export const KUBELET_UNREAD_SOURCE =
  'lightbend/console-charts#264 (2019): "a little north of 100 metrics for each kubelet, cardinality ~1000"';
