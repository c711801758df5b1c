// W4's measurement, shared by page_bench.mjs and page_ab.mjs: 31 inputs of the default view
// (new seeds typed into the seed field), each timed inside the page from the change event to the
// moment data-status turns "ready" (a MutationObserver, no polling), so DevTools round trips are
// not in the times.

/** Times 31 inputs on `page` with seeds firstSeed, firstSeed + 1, …; waits `pauseMs` after each
 *  ready (0: the next input the moment the page is ready). Resolves to `{times, jobs}`: the
 *  times in ms, and for each input where its job's time went (the page's `jobTimes`). */
export function timeInputs(page, { firstSeed, pauseMs }) {
  return page.evaluate(async ([seed0, pause]) => {
    const times = [];
    const jobs = [];
    for (let i = 0; i < 31; i += 1) {
      const el = document.getElementById('seed');
      el.value = String(seed0 + i);
      const start = performance.now();
      el.dispatchEvent(new Event('change', { bubbles: true }));
      const end = await new Promise((resolve) => {
        const obs = new MutationObserver(() => {
          if (document.body.dataset.status === 'ready') { obs.disconnect(); resolve(performance.now()); }
        });
        obs.observe(document.body, { attributes: true, attributeFilter: ['data-status'] });
      });
      times.push(end - start);
      // Read after the pause: the panels outside the viewport are drawn after ready.
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      jobs.push(window.rankscopeTestHooks.jobTimes());
    }
    return { times, jobs };
  }, [firstSeed, pauseMs]);
}
