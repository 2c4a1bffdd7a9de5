// The copy button of a ">>>" example copies runnable code: the lines after
// the ">>> " and "... " prompts, without the prompts and without the output.
// A blank line closes each indented block, so the code pastes into a file
// and into the Python prompt alike. Material copies an element's data-copy
// attribute when it has one; it runs this on every page load (document$).
document$.subscribe(function () {
  document.querySelectorAll(".highlight code").forEach(function (code) {
    if (!code.querySelector(".gp")) return;          // not a console block
    var out = [], inBlock = false;
    code.textContent.split("\n").forEach(function (line) {
      var first = line.startsWith(">>> ") || line === ">>>";
      var more = line.startsWith("... ") || line === "...";
      if (!first && !more) return;                   // output
      if (first && inBlock) out.push("");
      inBlock = more || (inBlock && more);
      out.push(line.slice(4));
    });
    code.setAttribute("data-copy", out.join("\n"));
  });
});
