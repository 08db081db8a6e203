//! The `--time` summary printed when the program ends.

use std::time::Duration;

use darr::dist::Traffic;

/// The summary of a run that took `elapsed` on `ranks` ranks; `sent`: what each
/// rank sent to the others, when it could be gathered.
pub fn summary(elapsed: Duration, ranks: usize, sent: Option<&[Traffic]>) -> String {
    let stats = darr::exec::stats::summary();
    let mut text = format!(
        "time: {:.3} s in total; parse {:.3} s; arrays {:.3} s, of which optimizing {:.3} s \
         ({} plans); {} fused kernels run on {} threads; {} transposed products computed in one pass with \
         their operand; {} indexed assignments written in place",
        elapsed.as_secs_f64(),
        stats.parse.as_secs_f64(),
        stats.compute.as_secs_f64(),
        stats.optimize.as_secs_f64(),
        stats.plans,
        stats.kernels,
        rayon::current_num_threads(),
        stats.one_pass_products,
        stats.in_place_updates
    );
    if ranks > 1 {
        text.push_str(&format!(
            "; {} plans split over {ranks} ranks; {} gathers by index from split values; \
             {} scatters by index into split values; {} masks applied to split values; \
             {} split sorts; {} split matrix products; {} .npy files read or written in parts; \
             {} split values joined whole; {} split values gathered whole for output (printed, or written as text or an image); \
             {} values dealt out to new owners",
            stats.split_plans,
            stats.split_gathers,
            stats.split_scatters,
            stats.split_masks,
            stats.split_sorts,
            stats.split_matmuls,
            stats.split_files,
            stats.joins,
            stats.output_gathers,
            stats.placements
        ));
    }
    if let Some(sent) = sent {
        let each: Vec<String> = sent
            .iter()
            .enumerate()
            .map(|(rank, t)| {
                let plural = if t.messages == 1 { "" } else { "s" };
                format!("rank {rank}: {} message{plural} ({})", t.messages, darr::dist::show_bytes(t.bytes))
            })
            .collect();
        text.push_str(&format!("; sent to other ranks: {}", each.join(", ")));
    }
    text
}
