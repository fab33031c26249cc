//! The buffer as a self-contained HTML page: one `<pre>` on the theme's background, a `<span>` with
//! inline styles per run of equally styled cells. No scripts, no external files; written as XHTML
//! (every element closed, text escaped), so it is also well-formed XML.

use super::runs::{runs, xml_escape, BACKGROUND, FOREGROUND};
use ratatui::buffer::Buffer;
use std::fmt::Write;

pub fn to_html(buf: &Buffer) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>centinela</title>\n<style>\nbody {{ margin: 0; background: {BACKGROUND}; }}\n\
         pre {{ margin: 0; padding: 8px; background: {BACKGROUND}; color: {FOREGROUND}; \
         font-family: 'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace; font-size: 14px; line-height: 17px; }}\n\
         </style>\n</head>\n<body>\n<pre>"
    );
    let mut row = 0;
    for run in runs(buf) {
        if run.y != row {
            out.push('\n');
            row = run.y;
        }
        let mut style = String::new();
        if run.fg != FOREGROUND {
            let _ = write!(style, "color:{};", run.fg);
        }
        if let Some(bg) = &run.bg {
            let _ = write!(style, "background:{bg};");
        }
        if run.bold {
            style.push_str("font-weight:bold;");
        }
        if run.italic {
            style.push_str("font-style:italic;");
        }
        if run.underlined {
            style.push_str("text-decoration:underline;");
        }
        if style.is_empty() {
            xml_escape(&run.text(), &mut out);
        } else {
            let _ = write!(out, "<span style=\"{style}\">");
            xml_escape(&run.text(), &mut out);
            out.push_str("</span>");
        }
    }
    out.push_str("\n</pre>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::runs::tests::hostile;
    use super::*;

    #[test]
    fn hostile_cells_make_a_well_formed_page_that_shows_them() {
        let html = to_html(&hostile());
        let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
        let doc = roxmltree::Document::parse_with_options(&html, opts).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "html");
        let pre = doc.descendants().find(|n| n.has_tag_name("pre")).expect("a <pre>");
        let text: String = pre.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 4, "{text:?}");
        assert!(rows[0].starts_with("a<b>&c ]]> \"q\" 'x'"), "{:?}", rows[0]);
        assert!(rows[1].starts_with("</pre></svg><!-- --> &amp;"), "{:?}", rows[1]);
        assert!(rows[2].starts_with("????]]>"), "{:?}", rows[2]);
        assert!(rows[3].starts_with("⣿█ 漢字 ok"), "{:?}", rows[3]);
        assert!(html.contains("background:#010203;"));
        assert!(!html.contains("<script"));
    }
}
