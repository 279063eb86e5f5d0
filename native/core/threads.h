// Thread control for the OpenMP kernels. OpenMP's thread count is per calling thread, so the
// JS thread that calls setNumThreads gets it directly, and background jobs (AsyncWorker)
// apply the stored default with apply_num_threads() before running kernels.
#pragma once

namespace ng {

int hardware_threads();
int get_num_threads();          // of the calling thread
void set_num_threads(int n);    // for the calling thread, and the default for background jobs
void apply_num_threads();       // sets the stored default on the calling thread
bool openmp_enabled();

}  // namespace ng
