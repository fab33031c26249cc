//! A dashboard's variables at run time: their choices, what is selected, and the picker (key `v`).

use crate::config::{Variable, VariableKind};
use crate::variables::Binding;
use std::collections::BTreeMap;

/// Grafana's value for "All" in a saved selection.
const ALL: &str = "$__all";

/// Where a variable's choices stand.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum VarStatus {
    /// Not asked yet (a `query` variable), or asked again after a variable it uses changed.
    #[default]
    Unresolved,
    /// Asked with this generation.
    Asking(u64),
    Ready,
    /// Prometheus could not answer, or the query or regex is wrong; the selection stays as it was.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VarState {
    pub spec: Variable,
    pub choices: Vec<String>,
    /// The selected values (ignored while `all`).
    pub selected: Vec<String>,
    pub all: bool,
    pub status: VarStatus,
}

impl VarState {
    pub fn new(spec: Variable) -> VarState {
        let all = spec.include_all && spec.default.iter().any(|d| d == ALL || d.eq_ignore_ascii_case("all"));
        let selected: Vec<String> = spec.default.iter().filter(|d| *d != ALL).cloned().collect();
        let (choices, status) = match spec.kind {
            VariableKind::Query => (Vec::new(), VarStatus::Unresolved),
            VariableKind::Constant => (spec.default.iter().take(1).cloned().collect(), VarStatus::Ready),
            VariableKind::Custom | VariableKind::Interval => (spec.options.clone(), VarStatus::Ready),
        };
        let mut v = VarState { spec, choices: Vec::new(), selected, all, status };
        v.set_choices(choices);
        v
    }

    /// New choices: the selection keeps what is still offered; otherwise the first choice.
    pub fn set_choices(&mut self, choices: Vec<String>) {
        self.choices = choices;
        if self.choices.is_empty() {
            return;
        }
        self.selected.retain(|s| self.choices.contains(s));
        if !self.spec.multi {
            self.selected.truncate(1);
        }
        if self.selected.is_empty() && !self.all {
            self.selected.push(self.choices[0].clone());
        }
    }

    /// What the variable stands for now; `None` while it has nothing to stand for (a query variable
    /// not answered yet, with no default).
    pub fn binding(&self) -> Option<Binding> {
        // "All" of a query variable whose values are still being asked for waits for them, so no
        // query goes out with `.*` only to be asked again a moment later.
        let asking = matches!(self.status, VarStatus::Unresolved | VarStatus::Asking(_));
        if self.all && self.choices.is_empty() && asking && self.spec.all_value.is_none() {
            return None;
        }
        let values = if self.all { self.choices.clone() } else { self.selected.clone() };
        if values.is_empty() && !self.all {
            return None;
        }
        Some(Binding {
            values,
            all: self.all,
            all_value: self.spec.all_value.clone(),
            regex_shaped: self.spec.multi || self.spec.include_all,
        })
    }

    /// The selection as the variable strip shows it.
    pub fn shown(&self) -> String {
        if self.all {
            return "All".into();
        }
        match self.selected.as_slice() {
            [] if matches!(self.status, VarStatus::Unresolved | VarStatus::Asking(_)) => "…".into(),
            [] => "(none)".into(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} +{}", rest.len()),
        }
    }

    /// The picker's rows: "All" first when offered, then the choices.
    pub fn rows(&self) -> Vec<String> {
        let mut rows = Vec::with_capacity(self.choices.len() + 1);
        if self.spec.include_all {
            rows.push("All".to_string());
        }
        rows.extend(self.choices.iter().cloned());
        rows
    }

    /// Whether picker row `i` is selected.
    pub fn row_selected(&self, i: usize) -> bool {
        match (self.spec.include_all, i) {
            (true, 0) => self.all,
            (true, i) => !self.all && self.choices.get(i - 1).is_some_and(|c| self.selected.contains(c)),
            (false, i) => !self.all && self.choices.get(i).is_some_and(|c| self.selected.contains(c)),
        }
    }

    /// Select picker row `i`: alone (single-select, or `only`), or toggled into a multi-selection.
    pub fn pick_row(&mut self, i: usize, only: bool) {
        if self.spec.include_all && i == 0 {
            self.all = true;
            self.selected.clear();
            return;
        }
        let idx = if self.spec.include_all { i - 1 } else { i };
        let Some(choice) = self.choices.get(idx).cloned() else { return };
        if only || !self.spec.multi || self.all {
            self.all = false;
            self.selected = vec![choice];
            return;
        }
        if let Some(pos) = self.selected.iter().position(|s| *s == choice) {
            if self.selected.len() > 1 {
                self.selected.remove(pos);
            }
        } else {
            self.selected.push(choice);
        }
    }

    /// The next (or previous) single choice, "All" included: for left and right in the picker.
    pub fn cycle(&mut self, forward: bool) {
        let rows = self.rows().len();
        if rows == 0 {
            return;
        }
        let at = (0..rows).find(|i| self.row_selected(*i)).unwrap_or(0);
        let next = if forward { (at + 1) % rows } else { (at + rows - 1) % rows };
        self.pick_row(next, true);
    }
}

/// The picker over the dashboard: which variable, and the open list of its choices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarPicker {
    /// Index among the dashboard's shown (not hidden) variables.
    pub var: usize,
    /// The row under the cursor in the variable's list of choices, when that list is open.
    pub choice: Option<usize>,
}

/// All variables of one dashboard.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarsState {
    pub vars: Vec<VarState>,
}

impl VarsState {
    pub fn new(specs: &[Variable]) -> VarsState {
        VarsState { vars: specs.iter().cloned().map(VarState::new).collect() }
    }

    /// Every variable that stands for something now, by name.
    pub fn bindings(&self) -> BTreeMap<String, Binding> {
        self.vars.iter().filter_map(|v| Some((v.spec.name.clone(), v.binding()?))).collect()
    }

    /// Indexes of the variables the picker and the strip show.
    pub fn shown(&self) -> Vec<usize> {
        (0..self.vars.len())
            .filter(|i| !self.vars[*i].spec.hidden && self.vars[*i].spec.kind != VariableKind::Constant)
            .collect()
    }

    /// The first variable `expr` uses that stands for nothing yet, and why.
    pub fn waiting_for(&self, expr: &str) -> Option<(String, Option<String>)> {
        crate::variables::referenced(expr).into_iter().find_map(|name| {
            let v = self.vars.iter().find(|v| v.spec.name == name)?;
            if v.binding().is_some() {
                return None;
            }
            let why = match &v.status {
                VarStatus::Failed(e) => Some(e.clone()),
                _ => None,
            };
            Some((name.to_string(), why))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(kind: VariableKind, options: &[&str]) -> Variable {
        Variable {
            name: "v".into(),
            label: None,
            kind,
            query: None,
            regex: None,
            options: options.iter().map(|s| s.to_string()).collect(),
            default: Vec::new(),
            multi: false,
            include_all: false,
            all_value: None,
            hidden: false,
        }
    }

    #[test]
    fn custom_starts_at_its_default_or_first_choice() {
        let v = VarState::new(var(VariableKind::Custom, &["a", "b"]));
        assert_eq!(v.selected, vec!["a"]);
        let v = VarState::new(Variable { default: vec!["b".into()], ..var(VariableKind::Custom, &["a", "b"]) });
        assert_eq!(v.shown(), "b");
        // A default that is not offered falls back to the first choice.
        let v = VarState::new(Variable { default: vec!["zz".into()], ..var(VariableKind::Custom, &["a", "b"]) });
        assert_eq!(v.selected, vec!["a"]);
    }

    #[test]
    fn query_variables_wait_unless_they_have_a_default() {
        let v = VarState::new(var(VariableKind::Query, &[]));
        assert_eq!(v.binding(), None);
        assert_eq!(v.shown(), "…");
        let mut v = VarState::new(Variable { default: vec!["x".into()], ..var(VariableKind::Query, &[]) });
        assert_eq!(v.binding().unwrap().values, vec!["x"]);
        v.set_choices(vec!["y".into(), "x".into()]);
        assert_eq!(v.selected, vec!["x"]);
    }

    #[test]
    fn all_and_multi_selection() {
        let spec = Variable {
            multi: true,
            include_all: true,
            default: vec![ALL.into()],
            ..var(VariableKind::Custom, &["a", "b", "c"])
        };
        let mut v = VarState::new(spec);
        assert!(v.all);
        assert_eq!(v.binding().unwrap().values, vec!["a", "b", "c"]);
        assert_eq!(v.rows(), vec!["All", "a", "b", "c"]);
        v.pick_row(2, false);
        assert_eq!((v.all, v.selected.clone()), (false, vec!["b".to_string()]));
        v.pick_row(3, false);
        assert_eq!(v.shown(), "b +1");
        v.pick_row(2, false);
        assert_eq!(v.selected, vec!["c"]);
        // The last value cannot be unticked: a selection is never empty.
        v.pick_row(3, false);
        assert_eq!(v.selected, vec!["c"]);
        v.pick_row(0, false);
        assert_eq!(v.shown(), "All");
    }

    #[test]
    fn cycling_wraps_through_all() {
        let mut v = VarState::new(Variable { include_all: true, ..var(VariableKind::Custom, &["a", "b"]) });
        assert_eq!(v.shown(), "a");
        v.cycle(true);
        assert_eq!(v.shown(), "b");
        v.cycle(true);
        assert_eq!(v.shown(), "All");
        v.cycle(false);
        assert_eq!(v.shown(), "b");
    }

    #[test]
    fn constants_are_bound_and_not_shown() {
        let vs = VarsState::new(&[Variable { default: vec!["k".into()], ..var(VariableKind::Constant, &[]) }]);
        assert!(vs.shown().is_empty());
        assert_eq!(vs.bindings()["v"].values, vec!["k"]);
        assert_eq!(vs.waiting_for("x{a=\"$v\"}"), None);
    }
}
