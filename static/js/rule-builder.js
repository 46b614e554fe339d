// The authoring workspace's behaviours. No inline script anywhere: the CSP forbids it.
//
// 1. The rule builder: a JSON condition edited as rows of question, operator and value, grouped
//    with ALL / ANY and negated with NOT. It writes the JSON into the form's own text box, which
//    stays what is posted (and what an expert may edit by hand); the server validates it.
// 2. The passage picker of the rule editor: passages of the chosen source section, to quote.
// 3. The question editor shows only the fields that apply to the chosen type.
(function () {
  "use strict";

  // The page's language from the JavaScript catalogue (/jsi18n/, loaded before this file); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var pgettext = window.pgettext || function (context, text) { return text; };
  function fill(format, values) {
    return window.interpolate ? window.interpolate(format, values, true)
      : format.replace(/%\((\w+)\)s/g, function (match, name) { return values[name]; });
  }

  // The operator menus' words (the "operator" context: they read after the question's name).
  var COMPARE = [["gte", pgettext("operator", "is at least")], ["gt", pgettext("operator", "is more than")],
                 ["lte", pgettext("operator", "is at most")], ["lt", pgettext("operator", "is less than")]];
  var ANSWERED = [["present:true", pgettext("operator", "is answered")],
                  ["present:false", pgettext("operator", "is not answered")]];
  // By type, each operator the builder offers; "op:value" when choosing the operator sets the value too.
  var ITEM_OPERATORS = {
    bool: [["is:true", pgettext("operator", "is Yes")], ["is:false", pgettext("operator", "is No")]].concat(ANSWERED),
    choice: [["in", pgettext("operator", "is one of")]].concat(ANSWERED),
    multi: [["includes", pgettext("operator", "includes")]].concat(ANSWERED),
    int: COMPARE.concat(ANSWERED),
    mrc: COMPARE.concat(ANSWERED),
    text: ANSWERED
  };
  var KNOWN = [["present:true", pgettext("operator", "is known")], ["present:false", pgettext("operator", "is not known")]];
  var CONTEXT_OPERATORS = { choice: [["in", pgettext("operator", "is one of")]].concat(KNOWN), int: COMPARE.concat(KNOWN) };
  // Whole sentences, as describe.py has them, so a translation may reorder subject and value.
  var SENTENCES = {
    gte: gettext("%(subject)s is at least %(value)s"), gt: gettext("%(subject)s is more than %(value)s"),
    lte: gettext("%(subject)s is at most %(value)s"), lt: gettext("%(subject)s is less than %(value)s")
  };

  function Unrepresentable(message) { this.message = message; }

  // ------------------------------------------------------------------ vocabulary

  function vocabulary(id, withFindings) {
    var holder = document.getElementById(id);
    var raw = holder ? JSON.parse(holder.textContent) : { sections: [], findings: [], context: [] };
    var subjects = {};
    var groups = [];
    raw.sections.forEach(function (section) {
      var options = section.items.map(function (item) {
        var key = "item:" + item.code;
        subjects[key] = { kind: "item", code: item.code, label: item.label, type: item.type, choices: item.choices };
        return [key, item.label];
      });
      groups.push([section.title, options]);
    });
    var findings = withFindings ? raw.findings : [];
    if (findings.length) {
      groups.push([gettext("Findings"), findings.map(function (f) {
        subjects["finding:" + f.code] = { kind: "finding", code: f.code, label: f.title };
        return ["finding:" + f.code, f.title];
      })]);
    }
    groups.push([gettext("Patient"), raw.context.map(function (c) {
      subjects["context:" + c.code] = { kind: "context", code: c.code, label: c.label, type: c.type,
                                        choices: c.choices, unit: c.unit };
      return ["context:" + c.code, c.label];
    })]);
    return { subjects: subjects, groups: groups, allFindings: raw.findings };
  }

  function operatorsFor(subject) {
    if (!subject || subject.kind === "finding") return [];
    var table = subject.kind === "context" ? CONTEXT_OPERATORS : ITEM_OPERATORS;
    return table[subject.type] || [];
  }

  function hasOperator(subject, op) {
    return operatorsFor(subject).some(function (pair) { return pair[0] === op; });
  }

  // ------------------------------------------------------------------ JSON <-> tree

  function parse(json, vocab) {
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new Unrepresentable(gettext("a condition is a JSON object"));
    }
    var keys = Object.keys(json);
    if (keys.length === 1 && (keys[0] === "all" || keys[0] === "any")) {
      if (!Array.isArray(json[keys[0]])) throw new Unrepresentable(fill(gettext("“%(key)s” takes a list"), { key: keys[0] }));
      return { type: "group", mode: keys[0], neg: false,
               children: json[keys[0]].map(function (part) { return parse(part, vocab); }) };
    }
    if (keys.length === 1 && keys[0] === "not") {
      var inner = parse(json.not, vocab);
      if (inner.neg) return { type: "group", mode: "all", neg: true, children: [inner] };
      inner.neg = true;
      return inner;
    }
    if (keys.length === 1 && keys[0] === "finding") {
      if (!vocab.subjects["finding:" + json.finding]) {
        throw new Unrepresentable(fill(gettext("it names a finding not offered here (%(code)s)"), { code: json.finding }));
      }
      return { type: "atom", subject: "finding:" + json.finding, op: "", value: null, neg: false };
    }
    var kind = "item" in json ? "item" : ("context" in json ? "context" : null);
    if (!kind || keys.length !== 2) throw new Unrepresentable(gettext("it is not a question, finding or group"));
    var key = kind + ":" + json[kind];
    var subject = vocab.subjects[key];
    if (!subject) throw new Unrepresentable(fill(gettext("it asks about something not offered here (%(code)s)"), { code: json[kind] }));
    var op = keys[0] === kind ? keys[1] : keys[0];
    var fixed = op + ":" + JSON.stringify(json[op]);
    if (hasOperator(subject, fixed)) return { type: "atom", subject: key, op: fixed, value: null, neg: false };
    if (!hasOperator(subject, op)) {
      throw new Unrepresentable(fill(gettext("the operator “%(operator)s” is not offered for %(subject)s"),
                                     { operator: op, subject: subject.label }));
    }
    return { type: "atom", subject: key, op: op, value: json[op], neg: false };
  }

  function toJson(node, vocab) {
    var json;
    if (node.type === "group") {
      json = {};
      json[node.mode] = node.children.filter(complete).map(function (c) { return toJson(c, vocab); });
    } else {
      var subject = vocab.subjects[node.subject];
      if (subject.kind === "finding") {
        json = { finding: subject.code };
      } else {
        json = {};
        json[subject.kind] = subject.code;
        var parts = node.op.split(":");
        json[parts[0]] = parts.length > 1 ? JSON.parse(parts[1]) : node.value;
      }
    }
    return node.neg ? { not: json } : json;
  }

  function complete(node) { return node.type === "group" || Boolean(node.subject); }

  function rootJson(root, vocab, required) {
    var children = root.children.filter(complete);
    if (!root.neg && children.length === 1) return toJson(children[0], vocab);
    if (!root.neg && children.length === 0) return required ? { all: [] } : null;
    return toJson(root, vocab);
  }

  // ------------------------------------------------------------------ in words (as describe.py)

  function describe(json, vocab, empty) {
    if (json === null) return empty;
    var text = words(json, vocab);
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // A long ALL / ANY group as a heading and a list, as describe.outline does; anything else as a sentence.
  function showWords(target, json, vocab, empty) {
    target.textContent = "";
    var key = json && !Array.isArray(json) && Object.keys(json).length === 1 ? Object.keys(json)[0] : null;
    var parts = (key === "all" || key === "any") && Array.isArray(json[key]) ? json[key] : null;
    if (!parts || parts.length < 3) {
      target.textContent = describe(json, vocab, empty);
      return;
    }
    target.appendChild(document.createTextNode(fill(gettext("%(heading)s:"),
                                                    { heading: key === "all" ? gettext("All of these") : gettext("Any of these") })));
    var list = el("ul", { "class": "condition-outline mb-0" });
    parts.forEach(function (part) { list.appendChild(el("li", {}, describe(part, vocab, empty))); });
    target.appendChild(list);
  }

  function words(cond, vocab) {
    if (cond === null || typeof cond !== "object" || Array.isArray(cond)) return gettext("(not understood)");
    var group = Array.isArray(cond.all) ? "all" : (Array.isArray(cond.any) ? "any" : null);
    if (group) {
      var parts = cond[group];
      if (!parts.length) return group === "all" ? gettext("always") : gettext("never");
      if (parts.length === 1) return words(parts[0], vocab);
      return parts.map(function (p) { return bracketed(p, vocab); }).join(group === "all" ? gettext(" AND ") : gettext(" OR "));
    }
    if ("not" in cond) return fill(gettext("NOT %(condition)s"), { condition: bracketed(cond.not, vocab) });
    if ("finding" in cond) {
      var finding = vocab.allFindings.filter(function (f) { return f.code === cond.finding; })[0];
      if (!finding) return fill(gettext("unknown finding “%(code)s”"), { code: cond.finding });
      var t = finding.title;
      return t.length > 1 && t.charAt(1) === t.charAt(1).toLowerCase() ? t.charAt(0).toLowerCase() + t.slice(1) : t;
    }
    var kind = "item" in cond ? "item" : ("context" in cond ? "context" : null);
    if (!kind) return gettext("(not understood)");
    var subject = vocab.subjects[kind + ":" + cond[kind]];
    var name = subject ? subject.label
      : fill(kind === "item" ? gettext("unknown question “%(code)s”") : gettext("unknown patient detail “%(code)s”"),
             { code: cond[kind] });
    var op = Object.keys(cond).filter(function (k) { return k !== kind; })[0];
    return sentence(name, op, cond[op], subject);
  }

  function bracketed(cond, vocab) {
    var text = words(cond, vocab);
    var list = cond && (cond.all || cond.any);
    return Array.isArray(list) && list.length > 1 ? "(" + text + ")" : text;
  }

  function choiceLabel(subject, code) {
    var found = subject && (subject.choices || []).filter(function (c) { return c[0] === code; })[0];
    return found ? found[1] : String(code);
  }

  // One atom as a sentence: "<subject> is at least 3", in the words describe.py uses on the server.
  function sentence(name, op, value, subject) {
    var is = gettext("%(subject)s is %(value)s");
    if (op === "is" && (value === true || value === false)) {
      return fill(value ? gettext("%(subject)s is Yes") : gettext("%(subject)s is No"), { subject: name });
    }
    if (op === "is") return fill(is, { subject: name, value: String(value) });
    if (op === "present" && subject && subject.kind === "context") {
      return fill(value ? gettext("%(subject)s is known") : gettext("%(subject)s is not known"), { subject: name });
    }
    if (op === "present") {
      return fill(value ? gettext("%(subject)s is answered") : gettext("%(subject)s is not answered"), { subject: name });
    }
    if (op === "includes") return fill(gettext("%(subject)s includes %(value)s"), { subject: name, value: choiceLabel(subject, value) });
    if (op === "in") {
      var labels = (Array.isArray(value) ? value : [value]).map(function (v) { return choiceLabel(subject, v); });
      var listed = labels.length < 2 ? (labels[0] || "…")
        : fill(gettext("%(first)s or %(last)s"), { first: labels.slice(0, -1).join(", "), last: labels[labels.length - 1] });
      return fill(is, { subject: name, value: listed });
    }
    if (SENTENCES[op]) {
      var shown = value === null || value === undefined ? "…" : String(value);
      return fill(SENTENCES[op], { subject: name, value: shown + (subject && subject.unit ? " " + subject.unit : "") });
    }
    return name + " " + op;
  }

  // ------------------------------------------------------------------ the builder

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function select(options, value, label, extraClass) {
    var node = el("select", { "class": "form-select form-select-sm " + (extraClass || ""), "aria-label": label });
    options.forEach(function (pair) {
      var option = el("option", { value: pair[0] }, pair[1]);
      if (pair[0] === value) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function Builder(field) {
    this.field = field;
    this.textarea = field.querySelector("textarea");
    this.area = field.querySelector("[data-builder]");
    this.json = field.querySelector("[data-json]");
    this.readable = field.querySelector("[data-readable-text]");
    this.notice = field.querySelector("[data-notice]");
    this.toggle = field.querySelector("[data-json-toggle]");
    this.required = field.dataset.required === "true";
    this.empty = field.dataset.empty || gettext("No condition");
    this.vocab = vocabulary(field.dataset.vocabulary, field.dataset.findings === "true");
    var self = this;
    this.toggle.hidden = false;
    this.toggle.addEventListener("click", function () { self.switchMode(); });
    this.textarea.addEventListener("input", function () { self.showWordsOfText(); });
    if (this.fromText()) {
      this.showBuilder();
    } else {
      this.showJson();
    }
  }

  Builder.prototype.fromText = function () {
    var text = this.textarea.value.trim();
    try {
      var node = text ? parse(JSON.parse(text), this.vocab) : { type: "group", mode: "all", neg: false, children: [] };
      this.root = node.type === "group" && !node.neg ? node : { type: "group", mode: "all", neg: false, children: [node] };
      this.notice.hidden = true;
      return true;
    } catch (error) {
      var why = error instanceof Unrepresentable ? error.message : gettext("it is not valid JSON");
      this.notice.textContent = fill(gettext("The builder cannot show this condition: %(why)s. Edit it as JSON below."),
                                     { why: why });
      this.notice.hidden = false;
      return false;
    }
  };

  Builder.prototype.switchMode = function () {
    if (this.area.hidden) {
      if (this.fromText()) this.showBuilder();
    } else {
      this.showJson();
      this.textarea.focus();
    }
  };

  Builder.prototype.showBuilder = function () {
    this.area.hidden = false;
    this.json.hidden = true;
    this.toggle.textContent = gettext("Expert: edit as JSON");
    this.render();
  };

  Builder.prototype.showJson = function () {
    this.area.hidden = true;
    this.json.hidden = false;
    this.toggle.textContent = gettext("Back to the builder");
    this.showWordsOfText();
  };

  Builder.prototype.showWordsOfText = function () {
    var text = this.textarea.value.trim();
    try {
      showWords(this.readable, text ? JSON.parse(text) : null, this.vocab, this.empty);
    } catch (error) {
      this.readable.textContent = gettext("(not valid JSON yet)");
    }
  };

  // Write the tree into the text box and the sentence; rebuild the rows when the structure changed.
  Builder.prototype.changed = function (rebuild) {
    var json = rootJson(this.root, this.vocab, this.required);
    this.textarea.value = json === null ? "" : JSON.stringify(json);
    showWords(this.readable, json, this.vocab, this.empty);
    if (rebuild) this.render();
  };

  Builder.prototype.render = function () {
    var focused = document.activeElement && this.area.contains(document.activeElement)
      ? document.activeElement.dataset.path : null;
    this.area.textContent = "";
    this.area.appendChild(this.groupView(this.root, null, "r"));
    if (focused) {
      var again = this.area.querySelector('[data-path="' + focused + '"]');
      if (again) again.focus();
    }
  };

  Builder.prototype.groupView = function (group, parent, path) {
    var self = this;
    var box = el("div", { "class": "cb-group" + (parent ? " cb-nested" : "") });
    var head = el("div", { "class": "cb-head" });
    head.appendChild(this.notToggle(group, path, parent ? gettext("NOT (this group)") : gettext("NOT")));
    var mode = select([["all", gettext("ALL of these are true")], ["any", gettext("ANY of these is true")]], group.mode,
                      gettext("How the conditions combine"), "cb-mode");
    mode.dataset.path = path + ".mode";
    mode.addEventListener("change", function () { group.mode = mode.value; self.changed(false); });
    head.appendChild(mode);
    if (parent) head.appendChild(this.removeButton(parent, group, gettext("Remove this group"), path));
    box.appendChild(head);
    var list = el("ol", { "class": "cb-children" });
    group.children.forEach(function (child, index) {
      var item = el("li");
      var childPath = path + "." + index;
      item.appendChild(child.type === "group" ? self.groupView(child, group, childPath) : self.atomView(child, group, childPath));
      list.appendChild(item);
    });
    box.appendChild(list);
    var foot = el("div", { "class": "cb-foot" });
    var addAtom = el("button", { type: "button", "class": "btn btn-sm btn-outline-primary", "data-path": path + ".add" },
                     gettext("Add a condition"));
    addAtom.addEventListener("click", function () {
      group.children.push({ type: "atom", subject: "", op: "", value: null, neg: false });
      self.changed(true);
      var added = self.area.querySelector('[data-path="' + path + "." + (group.children.length - 1) + '.subject"]');
      if (added) added.focus();
    });
    var addGroup = el("button", { type: "button", "class": "btn btn-sm btn-outline-secondary", "data-path": path + ".group" },
                      gettext("Add a group"));
    addGroup.addEventListener("click", function () {
      group.children.push({ type: "group", mode: "any", neg: false,
                            children: [{ type: "atom", subject: "", op: "", value: null, neg: false }] });
      self.changed(true);
    });
    foot.appendChild(addAtom);
    foot.appendChild(addGroup);
    box.appendChild(foot);
    return box;
  };

  Builder.prototype.notToggle = function (node, path, text) {
    var self = this;
    var label = el("label", { "class": "cb-not form-check-label" });
    var box = el("input", { type: "checkbox", "class": "form-check-input me-1", "data-path": path + ".not" });
    box.checked = node.neg;
    box.addEventListener("change", function () { node.neg = box.checked; self.changed(false); });
    label.appendChild(box);
    label.appendChild(document.createTextNode(text));
    return label;
  };

  Builder.prototype.removeButton = function (parent, node, text, path) {
    var self = this;
    var button = el("button", { type: "button", "class": "btn btn-sm btn-outline-danger cb-remove", "data-path": path + ".remove" },
                    gettext("Remove"));
    button.setAttribute("aria-label", text);
    button.addEventListener("click", function () {
      parent.children.splice(parent.children.indexOf(node), 1);
      self.changed(true);
    });
    return button;
  };

  Builder.prototype.atomView = function (atom, parent, path) {
    var self = this;
    var row = el("div", { "class": "cb-atom" });
    row.appendChild(this.notToggle(atom, path, gettext("NOT")));
    var subjects = el("select", { "class": "form-select form-select-sm cb-subject",
                                  "aria-label": gettext("Question, finding or patient detail"), "data-path": path + ".subject" });
    subjects.appendChild(el("option", { value: "" }, gettext("Choose a question or finding…")));
    this.vocab.groups.forEach(function (group) {
      var optgroup = el("optgroup", { label: group[0] });
      group[1].forEach(function (pair) {
        var option = el("option", { value: pair[0] }, pair[1]);
        if (pair[0] === atom.subject) option.selected = true;
        optgroup.appendChild(option);
      });
      subjects.appendChild(optgroup);
    });
    subjects.addEventListener("change", function () {
      atom.subject = subjects.value;
      var first = operatorsFor(self.vocab.subjects[atom.subject])[0];
      atom.op = first ? first[0] : "";
      atom.value = self.defaultValue(atom);
      self.changed(true);
    });
    row.appendChild(subjects);
    var subject = this.vocab.subjects[atom.subject];
    if (subject && subject.kind !== "finding") {
      var ops = select(operatorsFor(subject), atom.op, gettext("Operator"), "cb-op");
      ops.dataset.path = path + ".op";
      ops.addEventListener("change", function () {
        atom.op = ops.value;
        atom.value = self.defaultValue(atom);
        self.changed(true);
      });
      row.appendChild(ops);
      var value = this.valueView(atom, subject, path);
      // Checkboxes of choices take a line of their own, under the row and its Remove button.
      var below = value && value.tagName === "FIELDSET";
      if (value && !below) row.appendChild(value);
      row.appendChild(this.removeButton(parent, atom, gettext("Remove this condition"), path));
      if (below) row.appendChild(value);
      return row;
    }
    if (subject) row.appendChild(el("span", { "class": "cb-holds" }, gettext("holds")));
    row.appendChild(this.removeButton(parent, atom, gettext("Remove this condition"), path));
    return row;
  };

  Builder.prototype.defaultValue = function (atom) {
    var subject = this.vocab.subjects[atom.subject];
    if (!subject || atom.op.indexOf(":") !== -1) return null;
    if (atom.op === "in") return [];
    if (atom.op === "includes") return subject.choices.length ? subject.choices[0][0] : "";
    return null;
  };

  Builder.prototype.valueView = function (atom, subject, path) {
    var self = this;
    if (atom.op === "includes") {
      var one = select(subject.choices, atom.value, gettext("Choice"), "cb-value");
      one.dataset.path = path + ".value";
      one.addEventListener("change", function () { atom.value = one.value; self.changed(false); });
      return one;
    }
    if (atom.op === "in") {
      var box = el("fieldset", { "class": "cb-values" });
      box.appendChild(el("legend", { "class": "visually-hidden" }, gettext("Any of these answers")));
      subject.choices.forEach(function (pair, index) {
        var label = el("label", { "class": "form-check-label cb-choice" });
        var check = el("input", { type: "checkbox", "class": "form-check-input me-1", value: pair[0],
                                  "data-path": path + ".value." + index });
        check.checked = (atom.value || []).indexOf(pair[0]) !== -1;
        check.addEventListener("change", function () {
          atom.value = subject.choices.map(function (c) { return c[0]; }).filter(function (code) {
            return box.querySelector('input[value="' + code + '"]').checked;
          });
          self.changed(false);
        });
        label.appendChild(check);
        label.appendChild(document.createTextNode(pair[1]));
        box.appendChild(label);
      });
      return box;
    }
    if (SENTENCES[atom.op]) {
      var number = el("input", { type: "number", step: "1", "class": "form-control form-control-sm cb-number",
                                 "aria-label": subject.unit ? fill(gettext("Value in %(unit)s"), { unit: subject.unit }) : gettext("Value"),
                                 "data-path": path + ".value" });
      if (atom.value !== null && atom.value !== undefined) number.value = atom.value;
      number.addEventListener("input", function () {
        var parsed = parseInt(number.value, 10);
        atom.value = isNaN(parsed) ? null : parsed;
        self.changed(false);
      });
      return number;
    }
    return null;
  };

  // ------------------------------------------------------------------ passages of the source document

  function passagePicker(picker) {
    var sectionSelect = document.getElementById(picker.dataset.sectionField);
    var quote = document.getElementById(picker.dataset.quoteField);
    if (!sectionSelect || !quote) return;
    function show() {
      picker.querySelectorAll("[data-passages-for]").forEach(function (list) {
        list.hidden = list.dataset.passagesFor !== sectionSelect.value;
      });
      picker.querySelector("[data-no-section]").hidden = Boolean(sectionSelect.value);
    }
    sectionSelect.addEventListener("change", show);
    picker.addEventListener("click", function (event) {
      var button = event.target.closest("[data-passage]");
      if (button) {
        var text = button.dataset.passage;
        var current = quote.value.trim();
        if (current.indexOf(text) === -1) quote.value = current ? current + " … " + text : text;
      } else if (event.target.closest("[data-clear-quote]")) {
        quote.value = "";
      } else {
        return;
      }
      quote.dispatchEvent(new Event("input", { bubbles: true }));
    });
    show();
  }

  // ------------------------------------------------------------------ the question editor

  function typeDependent(form) {
    var type = form.querySelector("[name=type]");
    if (!type) return;
    function show() {
      form.querySelectorAll("[data-show-for]").forEach(function (part) {
        part.hidden = part.dataset.showFor.split(" ").indexOf(type.value) === -1;
      });
    }
    type.addEventListener("change", show);
    show();
  }

  document.querySelectorAll("[data-condition-builder]").forEach(function (field) { new Builder(field); });
  document.querySelectorAll("[data-passage-picker]").forEach(passagePicker);
  document.querySelectorAll("[data-type-form]").forEach(typeDependent);
})();
