"""The authoring workspace: template admins edit a draft version one section, rule or test case at a time.

``describe`` (a condition in words) and ``diff`` (what changed between two
documents), ``results`` (test cases by title), ``source`` (the source document's
passages) and ``references`` (renaming codes inside conditions) are pure and take
template documents; ``services`` writes draft edits (translations included, kept
in step when a code is renamed or a text removed); ``forms``, ``translation_forms``
(the translations editor and the list of what is missing) and ``views`` are the
pages.
"""
