Console.WriteLine("rnncluster");
