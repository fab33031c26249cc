//! The buffer as an SVG picture: a background rectangle and `<text>` per run of equally styled cells,
//! on a grid of cells, so the picture is exactly the terminal frame.

use super::runs::{runs, xml_escape, BACKGROUND};
use ratatui::buffer::Buffer;
use std::fmt::Write;

/// Cell width and height in pixels (14 px monospace).
const CW: f64 = 8.4;
const CH: f64 = 17.0;

pub fn to_svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width as f64 * CW, buf.area.height as f64 * CH);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\" \
         font-family=\"'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace\" font-size=\"14\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{BACKGROUND}\"/>\n"
    );
    for run in runs(buf) {
        let (px, py) = (run.x as f64 * CW, run.y as f64 * CH);
        if let Some(b) = &run.bg {
            let _ = writeln!(
                out,
                "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{:.1}\" height=\"{CH:.1}\" fill=\"{b}\"/>",
                run.width as f64 * CW
            );
        }
        if run.text().trim().is_empty() {
            continue;
        }
        let weight = if run.bold { " font-weight=\"bold\"" } else { "" };
        let italic = if run.italic { " font-style=\"italic\"" } else { "" };
        let underline = if run.underlined { " text-decoration=\"underline\"" } else { "" };
        let baseline = py + CH * 0.78;
        let attrs = format!("fill=\"{}\"{weight}{italic}{underline}", run.fg);
        // Characters every monospace font has are drawn as runs stretched to their cells; any other
        // (braille, block elements, wide characters) is placed in its own cell, because the font that
        // stands in for it has other widths.
        let common = |s: &str| s.chars().all(|c| (c as u32) < 0x250 || ('\u{2500}'..='\u{257F}').contains(&c));
        let cells = &run.cells;
        let mut i = 0;
        while i < cells.len() {
            let (sym, col) = &cells[i];
            let cx = *col as f64 * CW;
            if common(sym) {
                let mut j = i;
                let mut text = String::new();
                while j < cells.len() && common(&cells[j].0) {
                    text.push_str(&cells[j].0);
                    j += 1;
                }
                if !text.trim().is_empty() {
                    let _ = write!(
                        out,
                        "<text x=\"{cx:.1}\" y=\"{baseline:.1}\" {attrs} xml:space=\"preserve\" textLength=\"{:.1}\" \
                         lengthAdjust=\"spacingAndGlyphs\">",
                        (j - i) as f64 * CW
                    );
                    xml_escape(&text, &mut out);
                    out.push_str("</text>\n");
                }
                i = j;
            } else {
                let _ = write!(out, "<text x=\"{cx:.1}\" y=\"{baseline:.1}\" {attrs}>");
                xml_escape(sym, &mut out);
                out.push_str("</text>\n");
                i += 1;
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::runs::tests::hostile;
    use super::*;

    #[test]
    fn hostile_cells_make_well_formed_svg_that_shows_them() {
        let svg = to_svg(&hostile());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let text: String = doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
        for shown in ["a<b>&c ]]> \"q\" 'x'", "</pre></svg><!-- --> &amp;", "??", "漢"] {
            assert!(text.contains(shown), "{shown:?} not in {text:?}");
        }
        assert!(!svg.contains('\u{1b}') && !svg.contains('\u{7}'));
    }
}
