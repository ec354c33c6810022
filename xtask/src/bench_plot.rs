//! SVG plots of throughput against threads: one per primitive (a benchmark series), one line
//! per implementation, selvedge's drawn solid and its peers dashed.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::bench_data::Measurement;

/// One implementation's points: (threads, operations per second), by thread count.
pub(crate) type Line = (String, bool, Vec<(u32, f64)>);

/// The lines of one series, from the measurements that carry a thread count.
pub(crate) fn lines(series: &str, measurements: &[Measurement]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for m in measurements.iter().filter(|m| m.series() == series) {
        let Some(threads) = m.threads() else { continue };
        let name = m.implementation();
        let point = (threads, m.ops_per_second());
        match lines.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, _, points)) => points.push(point),
            None => lines.push((name, m.is_selvedge(), vec![point])),
        }
    }
    for (_, _, points) in &mut lines {
        points.sort_by_key(|&(threads, _)| threads);
    }
    lines
}

/// Draws `lines` to the SVG file `out`.
pub(crate) fn draw(out: &Path, title: &str, lines: &[Line]) -> Result<(), String> {
    let points = lines.iter().flat_map(|(_, _, p)| p);
    let max_threads = points.clone().map(|&(t, _)| t).max().unwrap_or(1);
    let max_ops = points.clone().map(|&(_, ops)| ops).fold(0.0, f64::max);
    let min_ops = points.map(|&(_, ops)| ops).fold(max_ops, f64::min);
    // The y axis is log10 of the rate, so one chart holds a 1 ns read and a 100 ns lock, and
    // is labelled in rates; at least half a decade tall, so a close race still gets labels.
    let (low, high) = (min_ops.max(1.0).log10(), max_ops.max(1.0).log10());
    let pad = ((0.5 - (high - low)) / 2.0).max(0.0) + 0.1;
    let rows = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    let root = SVGBackend::new(out, (WIDTH, HEIGHT + LEGEND_ROW * rows + 12)).into_drawing_area();
    let error = |e: DrawingAreaErrorKind<_>| format!("{}: {e}", out.display());
    root.fill(&WHITE).map_err(error)?;
    // The legend goes under the chart, where it can hide no point.
    let (plot, legend) = root.split_vertically(HEIGHT);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .build_cartesian_2d(0.5..f64::from(max_threads) + 0.5, low - pad..high + pad)
        .map_err(error)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 15))
        .x_desc("threads")
        .y_desc("operations per second (log scale)")
        .x_labels(usize::try_from(max_threads).unwrap_or(1) + 1)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(6)
        .max_light_lines(0)
        .y_label_formatter(&|y| si(10f64.powf(*y)))
        .draw()
        .map_err(error)?;
    for (index, (name, ours, points)) in lines.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let style = colour.stroke_width(if *ours { 3 } else { 2 });
        let xy: Vec<(f64, f64)> = points
            .iter()
            .map(|&(t, ops)| (f64::from(t), ops.max(1.0).log10()))
            .collect();
        if *ours {
            chart.draw_series(LineSeries::new(xy.clone(), style))
        } else {
            chart.draw_series(DashedLineSeries::new(xy.clone(), 6, 4, style))
        }
        .map_err(error)?;
        chart
            .draw_series(xy.into_iter().map(|p| Circle::new(p, 4, colour.filled())))
            .map_err(error)?;
        let y = i32::try_from(LEGEND_ROW * u32::try_from(index).unwrap_or(0) + 8).unwrap_or(0);
        let sample = [(84, y + 8), (124, y + 8)];
        if *ours {
            legend
                .draw(&PathElement::new(sample, style))
                .map_err(error)?;
        } else {
            let dashes = DashedPathElement::new(sample, 6, 4, style);
            legend.draw(&dashes).map_err(error)?;
        }
        let text = format!("{name}{}", if *ours { "" } else { " (peer)" });
        let label = Text::new(text, (134, y), ("sans-serif", 15).into_font());
        legend.draw(&label).map_err(error)?;
    }
    root.present().map_err(error)
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 380;
const LEGEND_ROW: u32 = 20;

/// Tableau's ten colours: told apart on a white page, unlike a generated palette's yellows.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// `12.3M` for 12_300_000: axis labels that stay short.
pub(crate) fn si(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.1}G", v / 1e9),
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(group: &str, name: &str, threads: &str, ns: f64) -> Measurement {
        Measurement {
            group: group.into(),
            function: Some(name.into()),
            parameter: Some(threads.into()),
            median_ns: ns,
            elements: None,
        }
    }

    #[test]
    fn a_series_has_one_line_per_implementation_sorted_by_threads() {
        let data = [
            at("read_heavy", "selvedge", "2", 5.0),
            at("read_heavy", "selvedge", "1", 10.0),
            at("read_heavy", "dashmap", "1", 20.0),
            at("exchange", "selvedge", "1", 1.0),
        ];
        let found = lines("read_heavy", &data);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, "selvedge");
        assert!(found[0].1 && !found[1].1);
        assert_eq!(found[0].2, vec![(1, 1e8), (2, 2e8)]);
    }

    #[test]
    fn the_svg_names_every_implementation() {
        let data = [at("g", "selvedge", "1", 10.0), at("g", "std", "1", 20.0)];
        let out = std::env::temp_dir().join(format!("xtask-plot-{}.svg", std::process::id()));
        draw(&out, "g", &lines("g", &data)).unwrap();
        let svg = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in ["\nselvedge\n", "\nstd (peer)\n", "\nthreads\n"] {
            assert!(svg.contains(text), "no {text:?} in {svg}");
        }
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(si(12_300_000.0), "12.3M");
        assert_eq!(si(950.0), "950");
    }
}
