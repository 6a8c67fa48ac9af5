// ebm: energy-based models in C++. One include for the whole public API (see ../shared/API.md
// for the contract and README.md for a tour).
#pragma once

#include "engine/autograd/grad.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/generator.hpp"
#include "engine/gradcheck.hpp"
#include "engine/ops.hpp"
#include "engine/tensor.hpp"
#include "engine/types.hpp"
#include "nn/activation.hpp"
#include "nn/checkpoint.hpp"
#include "nn/mlp.hpp"
#include "optim/optimizer.hpp"
#include "energies/analytic.hpp"
#include "energies/energy_function.hpp"
#include "energies/gaussian_mixture.hpp"
#include "energies/mlp_energy.hpp"
