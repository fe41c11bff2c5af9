// Preloaded with `node --import` into the real CLI: prints the process's peak resident set size on
// exit, which nothing outside the process can read without racing its end.
process.on("exit", () => {
  process.stderr.write(`max-rss-bytes ${process.resourceUsage().maxRSS * 1024}\n`);
});
